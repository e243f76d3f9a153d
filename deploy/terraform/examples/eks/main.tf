# kad on an existing EKS cluster. Prometheus: the in-cluster kube-prometheus-stack (default), or
# Amazon Managed Service for Prometheus: its query API needs SigV4-signed requests, so kad reads it
# through a SigV4 proxy (e.g. aws-sigv4-proxy in the cluster, with IRSA) at amp_proxy_url.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws  = { source = "hashicorp/aws", version = "~> 5.0" }
    helm = { source = "hashicorp/helm", version = "~> 2.17" }
  }
}

provider "aws" {
  region = var.region
}

data "aws_eks_cluster" "this" {
  name = var.cluster_name
}

data "aws_eks_cluster_auth" "this" {
  name = var.cluster_name
}

provider "helm" {
  kubernetes {
    host                   = data.aws_eks_cluster.this.endpoint
    cluster_ca_certificate = base64decode(data.aws_eks_cluster.this.certificate_authority[0].data)
    token                  = data.aws_eks_cluster_auth.this.token
  }
}

module "kad" {
  source = "../../modules/kad"

  prometheus_url      = var.amp_proxy_url == null ? var.prometheus_url : "${var.amp_proxy_url}/workspaces/${var.amp_workspace_id}"
  prometheus_operator = var.amp_proxy_url == null
  service_account_annotations = var.irsa_role_arn == null ? {} : {
    "eks.amazonaws.com/role-arn" = var.irsa_role_arn
  }
  replicas = var.replicas
}

output "kad_service_url" {
  value = module.kad.service_url
}
