variable "release_name" {
  description = "Helm release name."
  type        = string
  default     = "kad"
}

variable "namespace" {
  description = "Namespace to install kad into (next to Prometheus)."
  type        = string
  default     = "monitoring"
}

variable "create_namespace" {
  description = "Create the namespace when it does not exist."
  type        = bool
  default     = true
}

variable "chart" {
  description = "The chart: a path (default: this repository's deploy/helm/kad) or a chart name in chart_repository."
  type        = string
  default     = null
}

variable "chart_repository" {
  description = "Helm repository URL or OCI registry of the chart; null: chart is a local path."
  type        = string
  default     = null
}

variable "chart_version" {
  description = "Chart version (with chart_repository)."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "kad image tag; null: the chart's appVersion."
  type        = string
  default     = null
}

variable "prometheus_url" {
  description = "Prometheus query API kad reads (in-cluster Prometheus, or a managed Prometheus' query endpoint or its proxy)."
  type        = string
  default     = "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"

  validation {
    condition     = can(regex("^https?://", var.prometheus_url))
    error_message = "prometheus_url must be an http:// or https:// URL."
  }
}

variable "alertmanager_url" {
  description = "Alertmanager kad sends alerts to; null: none (alert from Prometheus with the PrometheusRule instead)."
  type        = string
  default     = "http://kube-prometheus-stack-alertmanager.monitoring.svc:9093"
}

variable "prometheus_secret" {
  description = "An existing Secret with Prometheus credentials, and the keys holding them (chart value secrets.*)."
  type = object({
    name             = string
    bearer_token_key = optional(string, "")
    username_key     = optional(string, "")
    password_key     = optional(string, "")
  })
  default = null
}

variable "service_account_annotations" {
  description = "Annotations of kad's ServiceAccount (workload identity: Azure, IRSA, GKE)."
  type        = map(string)
  default     = {}
}

variable "prometheus_operator" {
  description = "Install the ServiceMonitor and PrometheusRule (the cluster runs the Prometheus Operator)."
  type        = bool
  default     = true
}

variable "prometheus_operator_labels" {
  description = "Labels the Prometheus Operator selects ServiceMonitors and PrometheusRules by."
  type        = map(string)
  default     = { release = "kube-prometheus-stack" }
}

variable "replicas" {
  description = "kad replicas."
  type        = number
  default     = 1
}

variable "training_enabled" {
  description = "The nightly training CronJob (needs a ReadWriteMany storage class or one node)."
  type        = bool
  default     = false
}

variable "extra_values" {
  description = "More chart values (YAML documents), applied after the module's own."
  type        = list(string)
  default     = []
}
