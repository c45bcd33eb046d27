-- Temporal keeps its own databases beside the read model, under its own role.
CREATE ROLE temporal LOGIN PASSWORD 'temporal' CREATEDB;
