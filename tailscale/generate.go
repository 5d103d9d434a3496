package tailscale

//go:generate go run ../gen/cmd/tslogs-gen -pkg tailscale -out . -bare-decoder DecodeBare ../schemas/tailscale_audit.yml ../schemas/tailscale_network.yml
