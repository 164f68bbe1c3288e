"""The warehouse: schema, dbt project, publish and the served file, run hygiene, seeds."""
