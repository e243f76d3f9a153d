# kad on an existing GKE cluster. Prometheus: the in-cluster kube-prometheus-stack (default), or
# Google Cloud Managed Service for Prometheus through its query frontend (a Deployment answering the
# Prometheus query API with the cluster's workload identity) at gmp_frontend_url.
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
    helm   = { source = "hashicorp/helm", version = "~> 2.17" }
  }
}

provider "google" {
  project = var.project_id
  region  = var.location
}

data "google_client_config" "this" {}

data "google_container_cluster" "this" {
  name     = var.cluster_name
  location = var.location
}

provider "helm" {
  kubernetes {
    host                   = "https://${data.google_container_cluster.this.endpoint}"
    token                  = data.google_client_config.this.access_token
    cluster_ca_certificate = base64decode(data.google_container_cluster.this.master_auth[0].cluster_ca_certificate)
  }
}

module "kad" {
  source = "../../modules/kad"

  prometheus_url = var.managed_prometheus ? var.gmp_frontend_url : var.prometheus_url
  # Managed Service for Prometheus uses PodMonitoring, not the Prometheus Operator's CRDs.
  prometheus_operator = !var.managed_prometheus
  alertmanager_url    = var.alertmanager_url
  service_account_annotations = var.gcp_service_account == null ? {} : {
    "iam.gke.io/gcp-service-account" = var.gcp_service_account
  }
  replicas = var.replicas
}

output "kad_service_url" {
  value = module.kad.service_url
}
