{{- define "sovren.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "sovren.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "sovren.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sovren.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sovren.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "sovren.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "sovren.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "sovren.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "sovren.secretName" -}}
{{- default (printf "%s-secrets" (include "sovren.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* Seconds from SIGTERM's preStop to SIGKILL: preStop sleep + shutdown delay + drain + margin. */}}
{{- define "sovren.terminationGracePeriodSeconds" -}}
{{- $s := .Values.shutdown -}}
{{- add (int $s.preStopSleepSeconds) (int $s.shutdownDelaySeconds) (int $s.drainTimeoutSeconds) (int $s.marginSeconds) -}}
{{- end -}}

{{- define "sovren.probe" -}}
{{- $p := .probe -}}
{{- if eq $p.type "grpc" }}
grpc:
  port: {{ .port }}
  service: {{ .service | quote }}
{{- else if eq $p.type "http" }}
httpGet:
  path: {{ .path }}
  port: http
{{- else }}
{{- fail (printf "probes.*.type must be http or grpc, got %q" $p.type) }}
{{- end }}
periodSeconds: {{ $p.periodSeconds }}
timeoutSeconds: {{ $p.timeoutSeconds }}
failureThreshold: {{ $p.failureThreshold }}
{{- end -}}
