package config

import (
	"reflect"
	"testing"
)

func TestResources(t *testing.T) {
	runProblems(t, []problemCase{
		{name: "design example", yaml: withResources(`    photos:
      scopes: [photos.read]
      list: {upstream: photos, path: /photos, items: photos, id: id, label: title, thumbnail: "/photos/{id}/image"}
      max_items: 200
`, `    - route: "GET /photos/{id}"
      upstream: photos
      scopes: [photos.read]
      resource: {type: photos, id: "{id}"}
    - route: "GET /photos"
      upstream: photos
      scopes: [photos.read]
      filter: {type: photos, items: photos, id: id}
`)},
		{name: "unknown upstream", yaml: withResources(`    photos:
      scopes: [photos.read]
      list: {upstream: fotos, path: /photos, items: "", id: id, label: title}
`, ""), want: []string{`c.yaml:8:24: list upstream "fotos" is not under gateway.upstreams (did you mean "photos"?)`}},
		{name: "undeclared scope, bad max", yaml: withResources(`    photos:
      scopes: [photos.raed]
      list: {upstream: photos, path: /photos, items: "", id: id, label: title}
      max_items: 5000
`, ""), want: []string{
			`c.yaml:7:16: resource scope "photos.raed" is not declared under authserver.scopes`,
			`c.yaml:9:18: max_items must be a whole number from 1 to 1000`,
		}},
		{name: "undeclared scope reported once, not again at its routes", yaml: withResources(`    photos:
      scopes: [photos.raed]
      list: {upstream: photos, path: /photos, items: "", id: id, label: title}
`, `    - route: "GET /photos"
      upstream: photos
      scopes: [photos.read]
      filter: {type: photos, items: "", id: id}
`), want: []string{`c.yaml:7:16: resource scope "photos.raed" is not declared under authserver.scopes`}},
		{name: "scope narrowed twice", yaml: withResources(`    photos:
      scopes: [photos.read]
      list: {upstream: photos, path: /photos, items: "", id: id, label: title}
    albums:
      scopes: [photos.read]
      list: {upstream: photos, path: /albums, items: "", id: id, label: title}
`, ""), want: []string{`c.yaml:10:16: scope "photos.read" is already narrowed by resource type "photos"`}},
		{name: "bad paths, missing keys", yaml: withResources(`    photos:
      scopes: [photos.read]
      list: {upstream: photos, path: "photos?x=1", thumbnail: "/img/{name}"}
`, ""), want: []string{
			`c.yaml:8:13: missing required key "items" (the JSON field holding the array; "" when the answer is the array)`,
			`c.yaml:8:13: missing required key "id"`,
			`c.yaml:8:13: missing required key "label"`,
			`c.yaml:8:38: list path "photos?x=1" must start with /`,
			`c.yaml:8:63: thumbnail "/img/{name}" must contain {id} once, where the item's id goes`,
		}},
		{name: "route names unknown type", yaml: withResources(`    photos:
      scopes: [photos.read]
      list: {upstream: photos, path: /photos, items: "", id: id, label: title}
`, `    - route: "GET /albums/{id}"
      upstream: photos
      scopes: [photos.read]
      resource: {type: album, id: "{id}"}
`), want: []string{`c.yaml:16:24: unknown resource type "album" (declared under authserver.resources: photos)`}},
	})
}

// withResources builds a config with the given resources and routes.
func withResources(resources, routes string) string {
	s := `authserver:
  scopes:
    photos.read: See the photos you choose
    photos.write: Upload photos
  resources:
` + resources + `gateway:
  upstreams:
    photos: {url: "http://127.0.0.1:9000"}
`
	if routes != "" {
		s += "  routes:\n" + routes
	}
	return s
}

func TestResourcesDecoded(t *testing.T) {
	f, err := Parse("c.yaml", []byte(withResources(`    photos:
      scopes: [photos.read]
      list: {upstream: photos, path: /photos, items: photos, id: id, label: title, thumbnail: "/photos/{id}/image"}
`, "")), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := f.AuthServer.Resources
	if len(got) != 1 {
		t.Fatalf("resources = %+v", got)
	}
	r := got[0]
	want := ResourceList{Upstream: "photos", Path: "/photos", Items: "photos", ID: "id", Label: "title", Thumbnail: "/photos/{id}/image"}
	r.List.upstreamNode = nil
	if r.Type != "photos" || !reflect.DeepEqual(r.Scopes, []string{"photos.read"}) || r.MaxItems != DefaultMaxItems || r.List != want {
		t.Errorf("resource = %+v", r)
	}
}
