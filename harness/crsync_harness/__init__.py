"""Python side of crsync's test-bed: finding binaries and peers, captures."""
