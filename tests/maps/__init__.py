"""Tests of maps: Folium rendering from view data and the self-hosted assets."""
