"""The Textual UI of lightspeed-console. Imports the core, never the other way round."""
