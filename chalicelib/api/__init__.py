"""HTTP: one Blueprint per audience or resource; views parse, call a service, return."""
