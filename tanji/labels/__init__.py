"""Carbon label certification (碳标识认证), signed labels and the public registry."""
