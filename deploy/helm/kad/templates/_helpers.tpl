{{/* Chart name, overridable. */}}
{{- define "kad.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: RELEASE-kad, or RELEASE when it already contains the chart name; at most 63 characters. */}}
{{- define "kad.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart label: name-version. */}}
{{- define "kad.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "kad.labels" -}}
helm.sh/chart: {{ include "kad.chart" . }}
{{ include "kad.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select kad's pods. */}}
{{- define "kad.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kad.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ServiceAccount's name. */}}
{{- define "kad.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kad.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The image reference: repository@digest, or repository:tag (tag defaults to appVersion). */}}
{{- define "kad.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The configured source kind ("auto" when unset). */}}
{{- define "kad.sourceKind" -}}
{{- $source := default dict .Values.config.source }}
{{- default "auto" $source.kind }}
{{- end }}

{{/* The state claim's name. */}}
{{- define "kad.stateClaim" -}}
{{- default (printf "%s-state" (include "kad.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{/* The models claim's name (training CronJob → kad serve). */}}
{{- define "kad.modelsClaim" -}}
{{- default (printf "%s-models" (include "kad.fullname" .)) .Values.training.persistence.existingClaim }}
{{- end }}

{{/* Environment from the existing Secret, one variable per key set. */}}
{{- define "kad.secretEnv" -}}
{{- $s := .Values.secrets }}
{{- if $s.existingSecret }}
{{- range $var, $key := dict "PROMETHEUS_BEARER_TOKEN" $s.prometheusBearerTokenKey "PROMETHEUS_USERNAME" $s.prometheusUsernameKey "PROMETHEUS_PASSWORD" $s.prometheusPasswordKey "ALERTMANAGER_BEARER_TOKEN" $s.alertmanagerBearerTokenKey "ALERTMANAGER_USERNAME" $s.alertmanagerUsernameKey "ALERTMANAGER_PASSWORD" $s.alertmanagerPasswordKey "KAD_WEBHOOK_URL" $s.webhookUrlKey "KAD_API_TOKEN" $s.apiTokenKey }}
{{- if $key }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $s.existingSecret }}
      key: {{ $key }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The container's volume mounts and env shared by kad serve, the init container and the CronJob. */}}
{{- define "kad.commonEnv" -}}
- name: KAD_STATE_DIR
  value: /var/lib/kad
{{- if .Values.training.enabled }}
- name: KAD_MODEL_DIR
  value: /var/lib/kad-models
{{- end }}
{{- include "kad.secretEnv" . }}
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* "true" when the state lives on a PersistentVolumeClaim: one replica only (a ReadWriteOnce volume
cannot follow several pods; with more replicas or autoscaling each pod keeps its state in an emptyDir;
sharded, each shard has its own claim from the StatefulSet's volumeClaimTemplates). */}}
{{- define "kad.statePersistent" -}}
{{- if and (or .Values.persistence.enabled .Values.persistence.existingClaim) (not .Values.autoscaling.enabled) (le (int .Values.replicaCount) 1) (not .Values.sharding.enabled) }}true{{ end }}
{{- end }}
