# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# bash completion for conntop: its options, the values of those that take a word, files for those
# that take a file. `make install` puts it in $(PREFIX)/share/bash-completion/completions/conntop,
# where bash-completion loads it the first time conntop is completed; `source` it to try it.
# It needs nothing from bash-completion. tests/integration/test_completion.sh keeps the list equal
# to `conntop --help`.

_conntop() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=""
	local opts="-b --batch -n --iterations -d --delay --ringbuf-size --heal-interval --port
		--pid --container -o --output --every --format --record --replay --replay-speed
		--source --traffic --transport --hooks --max-connections --max-processes -v --verbose
		-h --help -V --version"

	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# --opt=value: bash splits the word at '=' (COMP_WORDBREAKS) into "--opt" "=" "value"; where
	# it does not, the word is whole.
	if [ "$cur" = "=" ]; then
		cur=""
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [[ $cur == --*=* ]]; then
		prev=${cur%%=*}
		cur=${cur#*=}
	fi

	COMPREPLY=()
	local words=
	case $prev in
	--format) words="text json dot" ;;
	--source) words="auto ebpf proc" ;;
	--traffic) words="auto bpf bpf-hash sockdiag off" ;;
	--transport) words="auto ringbuf perfbuf" ;;
	--hooks) words="auto tracepoint fentry kprobe tp_btf raw_tp tp" ;;
	esac
	if [ -n "$words" ]; then
		mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
		return
	fi
	case $prev in
	-o | --output | --record | --replay)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--pid)
		mapfile -t COMPREPLY < <(compgen -W "$(cd /proc && echo [0-9]*)" -- "$cur")
		return
		;;
	-n | --iterations | -d | --delay | --ringbuf-size | --heal-interval | --port | \
		--container | --replay-speed | --max-connections | --max-processes)
		return # a number or a name: nothing to offer
		;;
	esac
	# conntop takes no other arguments: only options.
	mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
}

complete -F _conntop conntop
