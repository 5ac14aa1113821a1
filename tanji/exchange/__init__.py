"""Exchange adapters: data in and out of other tools (openLCA JSON-LD, WBCSD PACT; CBAM later)."""
