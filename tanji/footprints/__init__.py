"""Product footprints: the model file enterprises write, and (later) stored studies."""
