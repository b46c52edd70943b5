"""Small widgets the screens are composed of."""
