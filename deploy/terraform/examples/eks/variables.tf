variable "region" {
  description = "AWS region of the cluster."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster name."
  type        = string
}

variable "prometheus_url" {
  description = "In-cluster Prometheus (kube-prometheus-stack)."
  type        = string
  default     = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
}

variable "amp_workspace_id" {
  description = "Amazon Managed Service for Prometheus workspace id (ws-…), with amp_proxy_url."
  type        = string
  default     = null
}

variable "amp_proxy_url" {
  description = "URL of the SigV4 proxy in front of AMP's query API (http://aws-sigv4-proxy.monitoring.svc:8005); null: use prometheus_url."
  type        = string
  default     = null
}

variable "irsa_role_arn" {
  description = "IAM role for kad's ServiceAccount (IRSA); null: none."
  type        = string
  default     = null
}

variable "replicas" {
  description = "kad replicas."
  type        = number
  default     = 1
}
