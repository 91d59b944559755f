"""Build-time pipeline that trains, exports and evaluates the bundled Attention Lens model."""
