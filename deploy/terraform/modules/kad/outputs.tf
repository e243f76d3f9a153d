output "release_name" {
  description = "The Helm release."
  value       = helm_release.kad.name
}

output "namespace" {
  description = "Where kad runs."
  value       = helm_release.kad.namespace
}

output "service_url" {
  description = "kad's API and /metrics inside the cluster."
  value       = "http://${helm_release.kad.name}.${helm_release.kad.namespace}.svc:8080"
}
