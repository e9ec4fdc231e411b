{{/*
Every name comes from the release name, which nox builds as <team>-<service>-<environment>
from [tool.govuk-kit] in the root pyproject.toml, so the chart never types the team itself.
*/}}

{{/* The application name, <team>-<service>: the release name without its environment suffix. */}}
{{- define "govuk-service.name" -}}
{{- .Values.nameOverride | default (trimSuffix (printf "-%s" .Values.environment) .Release.Name) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Resource names: the release name, <team>-<service>-<environment>, within Kubernetes' 63 characters. */}}
{{- define "govuk-service.fullname" -}}
{{- .Values.fullnameOverride | default .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "govuk-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select this release's pods; they never change for the life of a Deployment. */}}
{{- define "govuk-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "govuk-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "govuk-service.labels" -}}
{{ include "govuk-service.selectorLabels" . }}
app.kubernetes.io/version: {{ include "govuk-service.imageTag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/component: web
app.kubernetes.io/part-of: {{ include "govuk-service.name" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "govuk-service.chart" . }}
environment: {{ .Values.environment }}
{{- end -}}

{{- define "govuk-service.imageTag" -}}
{{- .Values.image.tag | default .Chart.AppVersion -}}
{{- end -}}

{{/* The IRSA module's ServiceAccount; the chart only uses it, so the values must name it. */}}
{{- define "govuk-service.serviceAccountName" -}}
{{- required "serviceAccount.name must name the ServiceAccount the namespace's IRSA module creates (its irsa.tf service_account_name)" .Values.serviceAccount.name -}}
{{- end -}}

{{/* The namespace's application Secret (its secret.tf): the release name unless set. */}}
{{- define "govuk-service.namespaceSecretName" -}}
{{- .Values.namespaceSecret.name | default (include "govuk-service.fullname" .) -}}
{{- end -}}

{{/* The public host: <release>.cloud-platform.service.justice.gov.uk unless set; each DNS label at most 57 characters. */}}
{{- define "govuk-service.host" -}}
{{- $host := .Values.ingress.host | default (printf "%s.%s" .Release.Name .Values.ingress.domain) -}}
{{- range splitList "." $host -}}
{{- if gt (len .) 57 -}}
{{- fail (printf "host label %q is longer than the 57 characters Cloud Platform allows" .) -}}
{{- end -}}
{{- end -}}
{{- $host -}}
{{- end -}}
