"""The dashboard's pages, one module per area; each calls the existing use cases."""
