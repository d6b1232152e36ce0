"""What every platform's HTTP endpoint shares: the server they are mounted on (server.py) and
the reading of a request that is refused before anything is stored (requests.py)."""
