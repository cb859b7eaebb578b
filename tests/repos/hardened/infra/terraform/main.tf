resource "aws_db_instance" "ledgerline" {
  identifier                  = "ledgerline-${var.environment}"
  engine                      = "postgres"
  engine_version              = "16.4"
  instance_class              = var.db_instance_class
  allocated_storage           = 50
  storage_encrypted           = true
  db_name                     = "ledgerline"
  username                    = "ledgerline"
  manage_master_user_password = true
  backup_retention_period     = 14
  deletion_protection         = true
  skip_final_snapshot         = false
  final_snapshot_identifier   = "ledgerline-${var.environment}-final"
}

resource "aws_ecr_pull_through_cache_rule" "ghcr" {
  ecr_repository_prefix = "ghcr"
  upstream_registry_url = "ghcr.io"
}
