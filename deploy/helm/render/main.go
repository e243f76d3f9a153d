// Command render renders a Helm chart's templates the way `helm template` does, with Go's
// text/template and the sprig functions Helm uses, plus Helm's own (include, tpl, required, toYaml,
// fromYaml, toJson, fromJson, lookup) and its .Values/.Release/.Chart/.Capabilities/.Files/.Template
// objects. It exists because no helm binary is available where kad's tests run (test/deploy/helm.ts
// builds it with Debian's golang-go and golang-github-masterminds-sprig-dev, offline, in GOPATH mode).
// What it does not do: values.schema.json validation (the tests use ajv), subcharts, hooks ordering,
// or sorting objects by kind; output is in template file order.
//
//	render -chart DIR [-name RELEASE] [-namespace NS] [-f values.yaml]... [-notes] [-api-versions V]...
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	sprig "github.com/Masterminds/sprig"
	yamlv2 "gopkg.in/yaml.v2"
	yaml "gopkg.in/yaml.v3"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// Files is .Files: the chart's files outside templates/ and the chart's own metadata.
type Files map[string][]byte

// Get returns a file's content, or "" when it does not exist.
func (f Files) Get(name string) string { return string(f[name]) }

// GetBytes returns a file's bytes.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Glob returns the files whose paths match the pattern.
func (f Files) Glob(pattern string) Files {
	out := Files{}
	for k, v := range f {
		if ok, _ := path.Match(pattern, k); ok {
			out[k] = v
		}
	}
	return out
}

// AsConfig renders the files as a ConfigMap's data (base name → content).
func (f Files) AsConfig() string {
	m := map[string]string{}
	for k, v := range f {
		m[path.Base(k)] = string(v)
	}
	s, _ := toYAML(m)
	return s
}

// APIVersions is .Capabilities.APIVersions.
type APIVersions []string

// Has reports whether the API version (group/version or group/version/Kind) is available.
func (a APIVersions) Has(v string) bool {
	for _, x := range a {
		if x == v {
			return true
		}
	}
	return false
}

// toYAML is Helm's toYaml: JSON first (struct tags as JSON has them), then YAML
// with yaml.v2 (sigs.k8s.io/yaml's style: sorted keys, lists not indented), trailing newline trimmed.
func toYAML(v interface{}) (string, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var obj interface{}
	if err := yamlv2.Unmarshal(j, &obj); err != nil {
		return "", err
	}
	b, err := yamlv2.Marshal(obj)
	return strings.TrimSuffix(string(b), "\n"), err
}

// fromYAML parses YAML as Helm does (sigs.k8s.io/yaml: YAML → JSON → map; numbers are float64).
func fromYAML(s string) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	j, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	out := map[string]interface{}{}
	if string(j) == "null" {
		return out, nil
	}
	return out, json.Unmarshal(j, &out)
}

// coalesce merges override into base as Helm merges values files: maps deep, null deletes a key.
func coalesce(base, override map[string]interface{}) map[string]interface{} {
	for k, v := range override {
		if v == nil {
			delete(base, k)
			continue
		}
		bm, bok := base[k].(map[string]interface{})
		om, ook := v.(map[string]interface{})
		if bok && ook {
			base[k] = coalesce(bm, om)
		} else {
			base[k] = v
		}
	}
	return base
}

func readYAMLFile(p string) (map[string]interface{}, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	m, err := fromYAML(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return m, nil
}

func main() {
	var values, apis multi
	chart := flag.String("chart", "", "chart directory")
	name := flag.String("name", "release-name", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	notes := flag.Bool("notes", false, "render NOTES.txt instead of the manifests")
	kube := flag.String("kube-version", "v1.30.0", "Kubernetes version for .Capabilities")
	flag.Var(&values, "f", "values file (repeatable; later wins)")
	flag.Var(&apis, "api-versions", "API version for .Capabilities.APIVersions (repeatable)")
	flag.Parse()
	if err := run(*chart, *name, *namespace, *kube, values, apis, *notes); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(dir, name, namespace, kube string, valueFiles, apis []string, notes bool) error {
	meta, err := readYAMLFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return err
	}
	chartName, _ := meta["name"].(string)
	chartObj := map[string]interface{}{}
	for k, v := range meta {
		chartObj[strings.ToUpper(k[:1])+k[1:]] = v
	}
	vals, err := readYAMLFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range valueFiles {
		o, err := readYAMLFile(f)
		if err != nil {
			return err
		}
		vals = coalesce(vals, o)
	}

	files := Files{}
	templates := map[string]string{}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			templates[chartName+"/"+rel] = string(b)
		case rel == "Chart.yaml" || rel == "values.yaml" || rel == "values.schema.json":
		default:
			files[rel] = b
		}
		return nil
	})
	if err != nil {
		return err
	}

	major, minor := "1", "30"
	if parts := strings.Split(strings.TrimPrefix(kube, "v"), "."); len(parts) >= 2 {
		major, minor = parts[0], parts[1]
	}
	top := map[string]interface{}{
		"Values":  vals,
		"Chart":   chartObj,
		"Release": map[string]interface{}{"Name": name, "Namespace": namespace, "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": kube, "GitVersion": kube, "Major": major, "Minor": minor},
			"APIVersions": APIVersions(append(apis, "v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1")),
		},
		"Files": files,
	}

	t := template.New("gotpl").Option("missingkey=zero")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = func(v interface{}) string { s, _ := toYAML(v); return s }
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m, err := fromYAML(s)
		if err != nil {
			return map[string]interface{}{"Error": err.Error()}
		}
		return m
	}
	funcs["toJson"] = func(v interface{}) string { b, _ := json.Marshal(v); return string(b) }
	funcs["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	funcs["lookup"] = func(string, string, string, string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	funcs["include"] = func(n string, data interface{}) (string, error) {
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, n, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(s string, data interface{}) (string, error) {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		if _, err := c.New("tpl").Parse(s); err != nil {
			return "", err
		}
		var buf strings.Builder
		err = c.ExecuteTemplate(&buf, "tpl", data)
		return strings.ReplaceAll(buf.String(), "<no value>", ""), err
	}
	t.Funcs(funcs)

	names := make([]string, 0, len(templates))
	for n := range templates {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if _, err := t.New(n).Parse(templates[n]); err != nil {
			return err
		}
	}
	render := func(n string) (string, error) {
		data := map[string]interface{}{}
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": n, "BasePath": chartName + "/templates"}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, n, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}

	if notes {
		out, err := render(chartName + "/templates/NOTES.txt")
		if err != nil {
			return err
		}
		fmt.Print(out)
		return nil
	}
	for _, n := range names {
		base := path.Base(n)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		out, err := render(n)
		if err != nil {
			return err
		}
		if strings.TrimSpace(out) == "" {
			continue
		}
		fmt.Printf("---\n# Source: %s\n%s\n", n, strings.TrimSpace(out))
	}
	return nil
}
