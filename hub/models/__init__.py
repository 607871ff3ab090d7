"""The hub's models, one module per concern (each helper adds its import here)."""
