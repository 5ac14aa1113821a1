"""Exchange adapters: data in and out of other tools (openLCA JSON-LD; PACT and CBAM later)."""
