"""The TM Forum Open API facade: TMF-shaped resources under /tmf-api/ over the same selectors and
services as the portal (README.md, "API")."""
