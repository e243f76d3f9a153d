# Installs kad's Helm chart into an existing cluster with the helm provider. The caller configures
# the provider (see ../../examples/aks, eks, gke).
locals {
  secrets = var.prometheus_secret == null ? {} : {
    existingSecret           = var.prometheus_secret.name
    prometheusBearerTokenKey = var.prometheus_secret.bearer_token_key
    prometheusUsernameKey    = var.prometheus_secret.username_key
    prometheusPasswordKey    = var.prometheus_secret.password_key
  }

  values = {
    replicaCount = var.replicas
    image        = var.image_tag == null ? {} : { tag = var.image_tag }
    config = merge(
      {
        source     = { kind = "prometheus" }
        prometheus = { url = var.prometheus_url }
        state      = { dir = "/var/lib/kad" }
      },
      var.alertmanager_url == null ? {} : { alertmanager = { url = var.alertmanager_url } },
    )
    secrets        = local.secrets
    serviceAccount = { annotations = var.service_account_annotations }
    serviceMonitor = { enabled = var.prometheus_operator, labels = var.prometheus_operator_labels }
    prometheusRule = { enabled = var.prometheus_operator, labels = var.prometheus_operator_labels }
    training       = { enabled = var.training_enabled }
  }
}

resource "helm_release" "kad" {
  name             = var.release_name
  namespace        = var.namespace
  create_namespace = var.create_namespace
  repository       = var.chart_repository
  chart            = coalesce(var.chart, "${path.module}/../../../helm/kad")
  version          = var.chart_version
  atomic           = true
  wait             = true
  timeout          = 600

  values = concat([yamlencode(local.values)], var.extra_values)
}
