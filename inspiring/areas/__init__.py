"""Areas (local programmes), the sharing between them, and geography."""
