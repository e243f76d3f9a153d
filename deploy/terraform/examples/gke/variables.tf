variable "project_id" {
  description = "Google Cloud project of the cluster."
  type        = string
}

variable "location" {
  description = "Region or zone of the GKE cluster."
  type        = string
}

variable "cluster_name" {
  description = "GKE cluster name."
  type        = string
}

variable "prometheus_url" {
  description = "In-cluster Prometheus (kube-prometheus-stack)."
  type        = string
  default     = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
}

variable "managed_prometheus" {
  description = "Read Google Cloud Managed Service for Prometheus through its query frontend instead."
  type        = bool
  default     = false
}

variable "gmp_frontend_url" {
  description = "The managed Prometheus query frontend's Service."
  type        = string
  default     = "http://frontend.gmp-public.svc:9090"
}

variable "alertmanager_url" {
  description = "Alertmanager for kad's alerts (managed Prometheus: the managed Alertmanager or your own)."
  type        = string
  default     = "http://kube-prometheus-stack-alertmanager.monitoring.svc:9093"
}

variable "gcp_service_account" {
  description = "Google service account kad's ServiceAccount impersonates (Workload Identity); null: none."
  type        = string
  default     = null
}

variable "replicas" {
  description = "kad replicas."
  type        = number
  default     = 1
}
