"""The composition root: settings read once; store, backends, services and principal built here."""
