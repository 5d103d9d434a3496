package summary

// wellKnown names the ports of services seen in tailnets (IANA service
// names, and the names their software uses where IANA has none).
var wellKnown = map[uint16]string{
	20: "ftp-data", 21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp", 53: "dns", 67: "dhcp", 69: "tftp",
	80: "http", 88: "kerberos", 110: "pop3", 111: "rpcbind", 123: "ntp", 137: "netbios-ns", 139: "netbios",
	143: "imap", 161: "snmp", 389: "ldap", 443: "https", 445: "smb", 465: "smtps", 514: "syslog",
	587: "submission", 636: "ldaps", 853: "dns-over-tls", 873: "rsync", 993: "imaps", 995: "pop3s",
	1194: "openvpn", 1433: "mssql", 1521: "oracle", 1883: "mqtt", 2049: "nfs", 2375: "docker", 2376: "docker-tls",
	2379: "etcd", 3000: "grafana", 3306: "mysql", 3389: "rdp", 3478: "stun", 4443: "https-alt", 5060: "sip",
	5201: "iperf3", 5353: "mdns", 5432: "postgresql", 5672: "amqp", 5900: "vnc", 6379: "redis", 6443: "kubernetes-api",
	8080: "http-alt", 8125: "statsd", 8443: "https-alt", 8472: "vxlan", 9000: "http-alt", 9090: "prometheus",
	9092: "kafka", 9100: "node-exporter", 9200: "elasticsearch", 10250: "kubelet", 11211: "memcached",
	27017: "mongodb", 41641: "tailscale-wireguard", 51820: "wireguard",
}

// PortName names a well-known port, or returns "".
func PortName(p uint16) string { return wellKnown[p] }
