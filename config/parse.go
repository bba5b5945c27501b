package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Load reads and parses the config file at path; see [Parse]. A file that
// cannot be read is a plain error, not [Diagnostics].
func Load(path string, lookupEnv func(string) (string, bool)) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(path, data, lookupEnv)
}

// Parse decodes and validates a config file. name is used in positions.
// lookupEnv resolves ${VAR} in values (os.LookupEnv in production). On any
// problem it returns nil and a [Diagnostics] listing every problem, sorted
// by position. Nothing touches the network.
func Parse(name string, data []byte, lookupEnv func(string) (string, bool)) (*File, error) {
	if lookupEnv == nil {
		lookupEnv = func(string) (string, bool) { return "", false }
	}
	d := &decoder{file: name, lookupEnv: lookupEnv}
	root := d.document(data)
	f := &File{Path: name}
	if len(d.diags) == 0 {
		top := d.mapping(root, "server", "log", "store", "authserver", "gateway")
		f.Server = d.server(top.get("server"))
		f.Log = d.log(top.get("log"))
		f.Store = d.store(top.get("store"))
		f.AuthServer = d.authServer(top.get("authserver"))
		f.Gateway, f.Policy = d.gateway(top.get("gateway"), f.AuthServer)
		d.checkResourceUpstreams(f.AuthServer.Resources, f.Gateway.Upstreams)
	}
	if len(d.diags) > 0 {
		d.diags.sort()
		return nil, d.diags
	}
	return f, nil
}

// document parses the YAML text into its root node; nil for an empty file.
func (d *decoder) document(data []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		d.syntaxError(err)
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		d.errorf(&next, "expected one YAML document, found another")
	case !errors.Is(err, io.EOF):
		d.syntaxError(err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// yamlLine finds the line in yaml.v3's syntax errors ("yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	pos := Position{File: d.file, Line: 1, Column: 1}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	d.diags = append(d.diags, Diagnostic{Pos: pos, Message: "invalid YAML: " + msg})
}
