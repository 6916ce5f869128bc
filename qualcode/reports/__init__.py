"""Reports: compute theme, contribution and HLS tables, matrices and listings as plain data."""
