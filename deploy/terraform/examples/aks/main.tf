# kad on an existing AKS cluster. Prometheus: the in-cluster kube-prometheus-stack (default), or
# Azure Monitor managed service for Prometheus: its query endpoint needs an Azure AD token, which
# kad reads from a Secret (refresh it with a token sidecar or an External Secrets job).
terraform {
  required_version = ">= 1.5"
  required_providers {
    azurerm = { source = "hashicorp/azurerm", version = "~> 4.0" }
    helm    = { source = "hashicorp/helm", version = "~> 2.17" }
  }
}

provider "azurerm" {
  features {}
  subscription_id = var.subscription_id
}

data "azurerm_kubernetes_cluster" "this" {
  name                = var.cluster_name
  resource_group_name = var.resource_group_name
}

provider "helm" {
  kubernetes {
    host                   = data.azurerm_kubernetes_cluster.this.kube_config[0].host
    client_certificate     = base64decode(data.azurerm_kubernetes_cluster.this.kube_config[0].client_certificate)
    client_key             = base64decode(data.azurerm_kubernetes_cluster.this.kube_config[0].client_key)
    cluster_ca_certificate = base64decode(data.azurerm_kubernetes_cluster.this.kube_config[0].cluster_ca_certificate)
  }
}

module "kad" {
  source = "../../modules/kad"

  prometheus_url    = var.azure_monitor_query_endpoint == null ? var.prometheus_url : var.azure_monitor_query_endpoint
  prometheus_secret = var.azure_monitor_query_endpoint == null ? null : { name = var.azure_monitor_token_secret, bearer_token_key = "token" }
  # Azure Monitor's managed Prometheus has no Prometheus Operator CRDs unless kube-prometheus-stack runs too.
  prometheus_operator = var.azure_monitor_query_endpoint == null
  service_account_annotations = var.workload_identity_client_id == null ? {} : {
    "azure.workload.identity/client-id" = var.workload_identity_client_id
  }
  replicas = var.replicas
}

output "kad_service_url" {
  value = module.kad.service_url
}
