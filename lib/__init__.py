"""Plain helpers with no models and no knowledge of the domain apps."""
