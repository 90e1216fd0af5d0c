// Command plain is the yardstick of BenchmarkReplicaPages: a plain
// net/http server, in a process of its own as the blog is, that answers
// every request with the bytes of one file, as the blog answers a page
// from its cache.
//
//	plain <addr> <file> <content-type>
package main

import (
	"log"
	"net/http"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 4 {
		log.Fatal("usage: plain <addr> <file> <content-type>")
	}
	body, err := os.ReadFile(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	ctype, length := os.Args[3], strconv.Itoa(len(body))
	log.Fatal(http.ListenAndServe(os.Args[1], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(body)
	})))
}
