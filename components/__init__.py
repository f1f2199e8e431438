"""Pure builders of Dash components; ids live in components/ids.py."""
