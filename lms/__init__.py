"""The platform shell: settings, URLs and the accounts, tracking and api apps."""
