#!/bin/sh
# meson install step: puts the example config at /etc/callplane/callplane.yaml
# unless one is there already (an admin's file is never overwritten).
set -e
src=$1
dst="${DESTDIR:-}/etc/callplane/callplane.yaml"
mkdir -p "$(dirname "$dst")"
if [ -e "$dst" ]; then
    echo "callplane: keeping the existing $dst"
else
    install -m 0640 "$src" "$dst"
    echo "callplane: installed $dst (edit it, then: systemctl enable --now callplane-dp callplane-cp)"
fi
