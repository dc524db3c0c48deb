"""Tests of maps: map data rendered from view data, and the self-hosted assets."""
