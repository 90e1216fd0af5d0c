package assets

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// SVGContentType is the type SVG pictures are stored and served with.
const SVGContentType = "image/svg+xml"

var errNotSVG = errors.New("is not an SVG document")

// convertSVG keeps an SVG file as it is: it is already small and sharp at
// every size. Its width and height come from its root element's width and
// height, or failing those its viewBox; 0 when it states neither.
func convertSVG(src []byte) (Converted, error) {
	d := xml.NewDecoder(bytes.NewReader(src))
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return Converted{}, errNotSVG
		}
		if err != nil {
			return Converted{}, fmt.Errorf("%w: %v", errNotSVG, err)
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if el.Name.Local != "svg" {
			return Converted{}, fmt.Errorf("%w: its root element is <%s>", errNotSVG, el.Name.Local)
		}
		c := Converted{ContentType: SVGContentType, Data: src}
		c.Width, c.Height = svgSize(el.Attr)
		return c, nil
	}
}

func svgSize(attrs []xml.Attr) (w, h int) {
	var viewBox string
	for _, a := range attrs {
		switch a.Name.Local {
		case "width":
			w = svgLength(a.Value)
		case "height":
			h = svgLength(a.Value)
		case "viewBox":
			viewBox = a.Value
		}
	}
	if w > 0 && h > 0 {
		return w, h
	}
	f := strings.Fields(strings.ReplaceAll(viewBox, ",", " "))
	if len(f) != 4 {
		return 0, 0
	}
	vw, err1 := strconv.ParseFloat(f[2], 64)
	vh, err2 := strconv.ParseFloat(f[3], 64)
	if err1 != nil || err2 != nil || vw <= 0 || vh <= 0 {
		return 0, 0
	}
	return int(math.Round(vw)), int(math.Round(vh))
}

// svgLength reads a length in user units or pixels; percentages and other
// units give 0.
func svgLength(s string) int {
	s = strings.TrimSuffix(strings.TrimSpace(s), "px")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		return 0
	}
	return int(math.Round(v))
}
