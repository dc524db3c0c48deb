"""WhatsApp intake: reading customers' order messages and talking back to them."""
