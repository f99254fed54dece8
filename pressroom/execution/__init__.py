"""Where and how the work runs: the PDF worker and its pool, the build cache, inputs, atomic writers."""
