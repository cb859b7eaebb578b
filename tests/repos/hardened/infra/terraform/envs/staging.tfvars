environment = "staging"
db_instance_class = "db.t4g.small"
