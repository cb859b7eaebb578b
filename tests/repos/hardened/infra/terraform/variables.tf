variable "region" {
  type    = string
  default = "eu-west-1"
}

variable "environment" {
  type = string
}

variable "db_instance_class" {
  type    = string
  default = "db.t4g.medium"
}
