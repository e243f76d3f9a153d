variable "subscription_id" {
  description = "Azure subscription of the cluster."
  type        = string
}

variable "resource_group_name" {
  description = "Resource group of the AKS cluster."
  type        = string
}

variable "cluster_name" {
  description = "AKS cluster name."
  type        = string
}

variable "prometheus_url" {
  description = "In-cluster Prometheus (kube-prometheus-stack)."
  type        = string
  default     = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
}

variable "azure_monitor_query_endpoint" {
  description = "Azure Monitor workspace's Prometheus query endpoint (https://<workspace>.<region>.prometheus.monitor.azure.com); null: use prometheus_url."
  type        = string
  default     = null
}

variable "azure_monitor_token_secret" {
  description = "Secret (key \"token\") holding an Azure AD token for the query endpoint."
  type        = string
  default     = "kad-azure-monitor-token"
}

variable "workload_identity_client_id" {
  description = "Client id of the managed identity kad's ServiceAccount federates with; null: none."
  type        = string
  default     = null
}

variable "replicas" {
  description = "kad replicas."
  type        = number
  default     = 1
}
