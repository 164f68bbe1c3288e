"""dbt assets, their blocking gates and the transform job."""
