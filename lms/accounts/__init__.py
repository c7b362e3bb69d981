"""Users, administrations (the tenants), units and roles: the bottom layer."""
