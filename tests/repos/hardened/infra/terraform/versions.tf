terraform {
  required_version = "~> 1.9.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.74"
    }
  }

  backend "s3" {
    bucket         = "ledgerline-terraform-state"
    key            = "ledgerline-api/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "ledgerline-terraform-locks"
    encrypt        = true
  }
}

provider "aws" {
  region = var.region
}
