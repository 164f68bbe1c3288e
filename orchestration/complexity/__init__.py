"""Economic complexity of the city × industry-group matrix: RCA, presence, relatedness density,
ECI / PCI, diversity and ubiquity per year (pure library code, no I/O; `matrix` is the API)."""
