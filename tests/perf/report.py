# Copyright: iotpki.certificates contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turns the results of one benchmark run into ``docs/performance.md`` (nothing in it is typed by hand)."""

from __future__ import annotations

import re

# "Far above": the simulator alone answers at least this many times the busiest rate of sections 1-3, so it
# takes at most a fifth of any request's time there (and the same share for both contenders of a comparison).
HEADROOM_FACTOR = 5


def _s(value, digits=2):
    return '-' if value is None else '%.*f s' % (digits, value)


def _ms(value):
    return '-' if value is None else '%.0f ms' % (value * 1000.0)


def _x(value):
    return '-' if value is None else '%.2f' % value


def _factor(value):
    if value is None:
        return '-'
    return '%.0f×' % value if value >= 100 else '%.1f×' % value


def _rate(value):
    return '%.1f' % value if value < 10 else '%.0f' % value


def _profile_entry(text, pattern):
    """(calls, cumulative seconds) of the first profile line whose function matches ``pattern``, or (None, None)."""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 6 and re.search(pattern, fields[-1]):
            try:
                return int(fields[0].split('/')[0]), float(fields[3])
            except ValueError:
                break
    return None, None


def _spread(entry, fmt=_s):
    if not entry or entry.get('median') is None:
        return '-'
    return '%s (%s to %s)' % (fmt(entry['median']), fmt(entry['min']), fmt(entry['max']))


def _calls(by_call):
    return ', '.join('%d × `%s`' % (count, call) for call, count in sorted(by_call.items())) or 'none'


def targets(results):
    """``[(target, measured, met)]`` for the summary table and the console."""
    rows = []
    tasks = results.get('tasks')
    if tasks:
        ratio = tasks['ratio_wall']['module/uri']
        rows.append(('Per-task cost: 30 module tasks take no longer than 30 `uri` GETs (playbook wall, ratio ≤ 1.00)',
                     'ratio %s (CPU time: %s)' % (_x(ratio), _x(tasks['ratio_cpu']['module/uri'])),
                     ratio is not None and ratio <= 1.0))
        ratio = tasks['ratio_per_task']['module/uri']
        rows.append(('Per-task cost, per task as the controller sees it (task start to result, ratio ≤ 1.00)',
                     'ratio %s' % _x(ratio), ratio is not None and ratio <= 1.0))
        payloads = tasks['payloads']['module']
        crypto = 'cryptography' in payloads['third_party_imported']
        rows.append(('The device module imports no cryptography when the certificate is selected by ID',
                     'imported' if crypto else 'not imported', not crypto))
    listing = results.get('listing')
    if listing:
        requests = listing['requests']
        exact = all(entry['count'] == listing['expected_requests'] for entry in requests.values())
        rows.append(('Listing {:,} device certificates sends exactly {} requests'.format(listing['certificates'], listing['expected_requests']),
                     ', '.join('%s %d' % (name, entry['count']) for name, entry in sorted(requests.items())), exact))
        for key, label in (
                ('utils/sdk', 'Listing, module only (the module\'s read through its module_utils, own process) faster than '
                              'the SDK script (wall ratio < 1.00)'),
                ('utils_work/sdk_work', 'Listing, paging only (imports done): module_utils read faster than SDK paging '
                                        '(wall ratio < 1.00)'),
                ('module/sdk', 'Listing, the module\'s whole AnsiballZ process (Ansible\'s argument and result handling '
                               'included) faster than the SDK script (wall ratio < 1.00)')):
            ratio = listing['ratio'][key]
            rows.append((label, 'ratio %s (CPU time: %s)' % (_x(ratio), _x(listing['ratio_cpu'][key])),
                         ratio is not None and ratio < 1.0))
    rerun = results.get('rerun')
    if rerun:
        above = [name for name, entry in sorted(rerun['playbooks'].items())
                 if entry['floor'] is not None and entry['requests']['count'] > entry['floor']]
        measured = '%d requests, floor %d' % (rerun['total_requests'], rerun['total_floor'])
        if above:
            measured += '; above: ' + ', '.join(above)
        rows.append(('Demo re-run: requests at the floor, no write, changed=0', measured, not above))
    headroom = results.get('headroom')
    if headroom:
        busiest = _busiest_rate(results)
        alone = headroom['threads']['1']['median']
        factor = alone / busiest[1] if busiest and busiest[1] else None
        rows.append(('Simulator headroom: alone (1 client thread, the cheapest call) ≥ %d× the busiest request rate of '
                     'sections 1–3' % HEADROOM_FACTOR,
                     '%.0f req/s = %s× %s' % (alone, _x(factor), busiest[0]) if busiest else '%.0f req/s' % alone,
                     factor is not None and factor >= HEADROOM_FACTOR))
    rows += _fleet_targets(results.get('fleet'))
    if listing and listing.get('simulator_headroom') is not None:
        factor = listing['simulator_headroom']
        rows.append(('Simulator headroom, side by side: in each listing round, the simulator alone answers the listing\'s '
                     'page call ≥ %d× as fast as the busiest client (module_utils paging) requests it' % HEADROOM_FACTOR,
                     '%s× (median of the per-round factors)' % _x(factor), factor >= HEADROOM_FACTOR))
    return rows


def _fleet_targets(fleet):
    """The rows of issue 13's table (section 5), each with its baseline."""
    if not fleet:
        return []
    rows = []
    writes = fleet['writes']
    ratio = writes['ratio']['rate/limit']
    target = ('Fleet: {:,} deactivations in one task at {:.0f} ms latency and {} req/s achieve ≥ 0.9 × {} writes/s '
              '(baseline: the rate limit, {:.0f} s)')
    target = target.format(writes['count'], writes['latency'] * 1000, writes['rate_limit'], writes['rate_limit'],
                           writes['baseline_limit_seconds'])
    measured = '%.1f writes/s in %s = %.3f × the limit (%d requests, %d answered 429)' % (
        writes['fleet']['writes_per_second'], _s(writes['fleet']['seconds'], 1), ratio, writes['fleet']['requests'],
        writes['fleet']['throttled'])
    rows.append((target, measured, ratio >= 0.9))
    for key, name, goal in (('loop', 'an Ansible loop over the single form', 15), ('sdk', 'the official SDK in a sequential script', 2)):
        ratio = writes['ratio']['%s/fleet' % key]
        target = 'Fleet, per certificate, ≥ %d× faster than %s (sample of %d)' % (goal, name, writes['sample'])
        measured = '%s per certificate against %s: %s' % (
            _ms(writes['fleet']['per_certificate']), _ms(writes[key]['per_certificate']), _factor(ratio))
        rows.append((target, measured, ratio >= goal))
    listing = fleet['listing_latency']
    ratio = listing['ratio']['module/sdk']
    target = 'Listing {:,} device certificates at {:.0f} ms latency takes ≤ 0.3 × the SDK\'s sequential paging'.format(
        listing['count'], listing['latency'] * 1000)
    measured = 'module task %s (%d requests) against SDK %s: ratio %s' % (
        _s(listing['module_task']), listing['requests'], _s(listing['sdk_wall']), _x(ratio))
    rows.append((target, measured, ratio <= 0.3))
    large = fleet['large']
    base, big = (large['runs'][str(size)] for size in large['sizes'])
    ratio = large['ratio']['large/base']
    target = 'Listing {:,} without latency completes in ≤ 11 × the {:,} run, module peak RSS ≤ 600 MB'.format(*reversed(large['sizes']))
    measured = '%s against %s: %s×; peak RSS %.0f MB (%.0f MB for %s)' % (
        _s(big['module_wall']), _s(base['module_wall']), _x(ratio), big['peak_rss_mb'], base['peak_rss_mb'],
        '{:,}'.format(large['sizes'][0]))
    rows.append((target, measured, ratio <= 11 and big['peak_rss_mb'] <= 600))
    issuer = fleet['issuer']
    ratio = issuer['ratio']['sequential/parallel per candidate']
    target = '`issuer` over {:,} candidates at {:.0f} ms latency, `concurrency: 8`, ≥ 6× faster per candidate than ' \
             'sequential show calls (`concurrency: 1`, sample of {})'.format(issuer['count'], issuer['latency'] * 1000, issuer['sample'])
    measured = '%s for %d against %s for %d: %s per candidate' % (
        _s(issuer['parallel_task'], 1), issuer['count'], _s(issuer['sequential_task'], 1), issuer['sample'], _factor(ratio))
    rows.append((target, measured, ratio >= 6))
    return rows


def _rates(results):
    rates = []
    if 'tasks' in results:
        for name, rate in results['tasks']['request_rate'].items():
            rates.append(('per-task cost, %s playbook' % name, rate))
    if 'listing' in results:
        for name, rate in results['listing']['request_rate'].items():
            rates.append(('listing, %s' % name, rate))
    if 'rerun' in results:
        rates.append(('demo re-run, busiest playbook', results['rerun']['request_rate']))
    return rates


def _busiest_rate(results):
    rates = _rates(results)
    return max(rates, key=lambda item: item[1]) if rates else None


def console_summary(results):
    lines = ['', 'Targets (details in docs/performance.md):']
    for target, measured, met in targets(results):
        lines.append('  [%s] %s: %s' % ('met' if met else 'NOT MET', target, measured))
    return '\n'.join(lines)


def render(results):
    machine = results['machine']
    out = []
    add = out.append
    add('# Performance')
    add('')
    add('<!-- Generated by tests/perf/run.py from its own measurements. Do not edit: run `make bench`. -->')
    add('')
    add('How the collection compares with what a user would use instead: `ansible.builtin.uri` and '
        '`ansible.builtin.ping` for single tasks, the official Huawei Cloud Python SDK for listing, and the '
        'least number of requests any client needs. Every figure below comes from one run of the benchmark '
        '(`tests/perf/`), against the platform simulator (`tests/simulator/`) on the same machine.')
    add('')
    add('## The run')
    add('')
    load = machine.get('load_start')
    load_end = machine.get('load_end')
    add('| | |')
    add('|---|---|')
    add('| Date | %s |' % results['date'])
    add('| Command | `%s` (`IOTPKI_BENCH_ROUNDS=%d`), %.0f s in all |' % (
        results['command'], results['rounds'], results['duration_seconds']))
    add('| Machine | %s cores (%s), %s |' % (machine['cores'], machine['cpu'], machine['os']))
    add('| Software | Python %s, ansible-core %s, requests %s, huaweicloudsdkiotda %s / huaweicloudsdkcore %s |' % (
        machine['python'], machine['ansible_core'], machine['requests'], machine['huaweicloudsdkiotda'],
        machine['huaweicloudsdkcore']))
    if load and load_end:
        highest = ', at most %.1f in between' % machine['load_max'] if machine.get('load_max') is not None else ''
        add('| Load average (1 min) | %.1f at the start, %.1f at the end%s (the machine is shared: other test runs '
            'add noise, which the interleaved rounds spread over all contenders; the min-to-max ranges below show '
            'how much) |' % (load[0], load_end[0], highest))
    add('')
    add('Method: each section runs its contenders one after the other within a round, in an order that rotates '
        'from round to round, for %d rounds. Times are medians over the rounds (min to max in brackets); a ratio '
        'is the median of the per-round ratios (below 1.00: the collection is faster). The simulator is a '
        'separate process serving plain HTTP on 127.0.0.1; Ansible runs the modules on the implicit localhost '
        'with the benchmark\'s Python, default settings otherwise.' % results['rounds'])
    add('')
    if results.get('reduced'):
        add('**A reduced run**: %s. The figures are real measurements of this run, with fewer rounds or smaller samples '
            'than a complete `make bench` (5 rounds of every section), which did not fit in the time available on this '
            'loaded machine.' % results['reduced'])
        add('')
    add('## Targets')
    add('')
    add('| Target | Measured | Met |')
    add('|---|---|---|')
    for target, measured, met in targets(results):
        add('| %s | %s | %s |' % (target, measured, 'yes' if met else '**no**'))
    add('')
    if 'tasks' in results:
        _render_tasks(add, results['tasks'])
    if 'listing' in results:
        _render_listing(add, results['listing'])
    if 'rerun' in results:
        _render_rerun(add, results['rerun'], results.get('tasks'))
    if 'headroom' in results:
        _render_headroom(add, results)
    if 'fleet' in results:
        _render_fleet(add, results['fleet'])
    return '\n'.join(out).rstrip() + '\n'


def _render_tasks(add, tasks):
    n = tasks['tasks']
    add('## 1. Per-task cost')
    add('')
    add('One playbook of %d tasks per contender, on one device certificate that is already `ACTIVE`:' % n)
    add('')
    add('- **module**: `iotpki.certificates.iotda_device_certificate` with `certificate_id` and `status: active` '
        '(nothing to change: one show call, no write);')
    add('- **uri**: `ansible.builtin.uri` GET of the same show endpoint;')
    add('- **ping**: `ansible.builtin.ping`, the floor of an Ansible task.')
    add('')
    add('Authentication is the same for the module and `uri`: `X-Auth-Token` with the simulator\'s token (the '
        'module\'s `auth_token` option, a header for `uri`). Token auth is the fair and simple choice: `uri` cannot '
        'compute an AK/SK signature, so AK/SK for the module alone would compare signing, not task cost.')
    add('')
    add('| Contender | Playbook wall | Per task (task start to result) | CPU time, all processes | Requests per playbook '
        '| Wall ratio to uri | Wall ratio to ping | CPU ratio to uri |')
    add('|---|---|---|---|---|---|---|---|')
    for name in ('module', 'uri', 'ping'):
        to_uri = {'module': tasks['ratio_wall']['module/uri'], 'uri': 1.0, 'ping': None}[name]
        to_ping = {'module': tasks['ratio_wall']['module/ping'], 'uri': tasks['ratio_wall']['uri/ping'], 'ping': 1.0}[name]
        cpu_to_uri = {'module': tasks['ratio_cpu']['module/uri'], 'uri': 1.0, 'ping': None}[name]
        add('| %s | %s | %s | %s | %s | %s | %s | %s |' % (
            name, _spread(tasks['wall'][name]), _spread(tasks['per_task'][name], _ms), _spread(tasks['cpu'][name]),
            _calls(tasks['requests'][name]['by_call']), _x(to_uri), _x(to_ping), _x(cpu_to_uri)))
    add('')
    add('CPU time is the user and system time of ansible-playbook and every process it started (workers, module '
        'processes): it changes much less with the load of the shared machine than wall time does. Per task: the mean '
        'of the %d tasks, each from its start to its result, as the callback `tests/perf/callback_plugins/'
        'iotpki_perf_timing.py` records them.' % n)
    add('')
    add('Per-task ratios (median of the per-round ratios of the mean task duration): module/uri %s, module/ping %s, '
        'uri/ping %s.' % (_x(tasks['ratio_per_task']['module/uri']), _x(tasks['ratio_per_task']['module/ping']),
                          _x(tasks['ratio_per_task']['uri/ping'])))
    add('')
    payloads = tasks['payloads']
    add('### What the module ships and imports')
    add('')
    add('The AnsiballZ payload of one task of each contender, kept with `ANSIBLE_KEEP_REMOTE_FILES=1`, then run '
        'directly with `python -X importtime` (%d runs each, interleaved): the module\'s own process, without the '
        'controller.' % payloads['module']['wall']['rounds'])
    add('')
    add('| Payload | Size | Files | Run outside Ansible | CPU time | Import time (sum of self times) | Wall ratio to uri '
        '| CPU ratio to uri |')
    add('|---|---|---|---|---|---|---|---|')
    for name in ('module', 'uri', 'ping'):
        entry = payloads[name]
        ratio = {'module': payloads['ratio_wall']['module/uri'], 'uri': 1.0, 'ping': None}[name]
        cpu_ratio = {'module': payloads['ratio_cpu']['module/uri'], 'uri': 1.0, 'ping': None}[name]
        add('| %s | %.0f KiB | %d | %s | %s | %s | %s | %s |' % (
            name, entry['payload_bytes'] / 1024.0, entry['files'], _spread(entry['wall'], _ms), _spread(entry['cpu'], _ms),
            _spread(entry['import_total_ms'], _msv), _x(ratio), _x(cpu_ratio)))
    add('')
    module = payloads['module']
    unused = [name for name in module['collection_files'] if name not in module['collection_imported']
              and not name.endswith('__init__.py') and name != module.get('module_file')]
    add('Collection files in the device module\'s payload: %d (the module and its module_utils, with the package '
        '`__init__.py` files); module_utils imported when it runs: %d. Shipped but not imported '
        '(AnsiballZ bundles every module_util named by an import anywhere in the code, also inside a function): %s. '
        'Third-party packages imported: %s; cryptography: **%s**.' % (
            len(module['collection_files']),
            len([name for name in module['collection_imported'] if '/module_utils/_' in name]),
            ', '.join('`%s`' % name.rsplit('/', 1)[-1] for name in unused) or 'none',
            ', '.join(module['third_party_imported']) or 'none',
            'imported' if 'cryptography' in module['third_party_imported'] else 'not imported'))
    add('')
    add('Third-party packages the `uri` payload imports: %s.' % (', '.join(payloads['uri']['third_party_imported']) or 'none'))
    add('')
    watch = module.get('import_watch') or {}
    if 'simplejson' in watch:
        add('`requests` imports `simplejson` when it is installed (in the benchmark\'s Python it is: the Huawei SDK '
            'requires it); that costs the module %s of its imports, which a Python without the SDK does not pay.'
            % _msv(watch['simplejson']))
        add('')
    add('Import time by origin (median self time, ms):')
    add('')
    groups = sorted(set(payloads['module']['import_groups']) | set(payloads['uri']['import_groups']))
    add('| Origin | module | uri | ping |')
    add('|---|---|---|---|')
    for group in groups:
        add('| %s | %s |' % (group, ' | '.join(_msv(payloads[name]['import_groups'].get(group)) for name in ('module', 'uri', 'ping'))))
    add('')
    add('Costliest imports of the device module\'s payload (median cumulative time; nested imports are included '
        'in their parent\'s figure):')
    add('')
    add('| Import | Cumulative |')
    add('|---|---|')
    for row in module['import_top']:
        add('| `%s` | %s |' % (row['module'], _msv(row['cumulative_ms'])))
    add('')
    add('And of the `uri` payload, for comparison:')
    add('')
    add('| Import | Cumulative |')
    add('|---|---|')
    for row in payloads['uri']['import_top'][:8]:
        add('| `%s` | %s |' % (row['module'], _msv(row['cumulative_ms'])))
    add('')


def _msv(value):
    return '-' if value is None else '%.0f ms' % value


def _render_listing(add, listing):
    add('## 2. Listing at scale')
    add('')
    add('`iotpki.certificates.iotda_certificate_info` with `kind: device` over %s device certificates seeded in the '
        'simulator (seeding took %.1f s), against the official Huawei Cloud Python SDK (`ListDeviceCertificate`, '
        '`limit=50`, following `page.marker`). Both sign every request with derived AK/SK (`V11-HMAC-SHA256`, the '
        'simulator\'s instance mode; the SDK through `BasicCredentials(...).with_derived_predicate(...)` and '
        '`Region("cn-north-4", endpoint)`, since `IoTDACredentials` cannot be imported from SDK 3.1.219). The SDK '
        'script stops on the same rules as the collection (short page, no marker, or `page.count` records read), '
        'so both send the same %d requests; the simulator\'s request log checks the count for every run of every '
        'contender.' % ('{:,}'.format(listing['certificates']), listing['seed_seconds'], listing['expected_requests']))
    add('')
    add('| Contender | What runs | Wall | Wall ratio to SDK script | CPU time | CPU ratio to SDK script |')
    add('|---|---|---|---|---|---|')
    for key, label, what in (
            ('playbook', 'playbook', '`ansible-playbook` with the one info task (controller start, templating, result transfer)'),
            ('module', 'module', 'the module\'s AnsiballZ payload run directly: the module\'s own process'),
            ('utils', 'module only', '`tests/perf/utils_list.py`: the same read through the module_utils, no Ansible')):
        add('| %s | %s | %s | %s | %s | %s |' % (label, what, _spread(listing['wall'][key]), _x(listing['ratio'][key + '/sdk']),
                                                 _spread(listing['cpu'][key]), _x(listing['ratio_cpu'][key + '/sdk'])))
    add('| SDK script | `tests/perf/sdk_list.py` | %s | 1.00 | %s | 1.00 |' % (
        _spread(listing['wall']['sdk']), _spread(listing['cpu']['sdk'])))
    add('')
    add('Inside the module_utils and SDK processes:')
    add('')
    add('| | module_utils | SDK | Ratio |')
    add('|---|---|---|---|')
    add('| Imports | %s | %s | %s |' % (_spread(listing['import']['utils']), _spread(listing['import']['sdk']),
                                        _x(listing['ratio']['utils_import/sdk_import'])))
    add('| Paging (client set-up, %d requests, decoding; module_utils also computes `expires_in_days`) | %s | %s | %s |' % (
        listing['expected_requests'], _spread(listing['work']['utils']), _spread(listing['work']['sdk']),
        _x(listing['ratio']['utils_work/sdk_work'])))
    add('| Paging, CPU time of the process | %s | %s | %s |' % (
        _spread(listing['work_cpu']['utils']), _spread(listing['work_cpu']['sdk']), _x(listing['ratio_cpu']['utils_work/sdk_work'])))
    add('')
    add('The info task itself, as the controller saw it (task start to result): %s.' % _spread(listing['playbook_task']))
    add('')
    add('The simulator verified every SDK signature like the collection\'s (its log records each request as `derived`, '
        'status 200): the SDK works against it unchanged.')
    add('')
    add('Requests per contender and run: %s.' % '; '.join(
        '%s: %s (%s)' % (name, _calls(entry['by_call']), ', '.join('%s auth' % auth for auth in sorted(entry['auth'])))
        for name, entry in sorted(listing['requests'].items())))
    add('')
    add('### Where the time goes')
    add('')
    add('cProfile of the module\'s payload, run directly once (same data and environment), sorted by cumulative '
        'time (wrapper frames left out). The profiler inflates pure-Python work more than waiting for the network:')
    add('')
    add('```text')
    add(listing['profile']['module'])
    add('```')
    add('')
    module_profile = listing['profile']['module']
    exit_json = _profile_entry(module_profile, r'\(exit_json\)$')[1]
    scrub = _profile_entry(module_profile, r'\(remove_values\)$')[1]
    values = _profile_entry(module_profile, r'\(_remove_values_conditions\)$')[0]
    read = _profile_entry(module_profile, r'_iotda_reads\.py:\d+\(read\)$')[1]
    if exit_json and scrub and read and values:
        add('In this profile the read takes %.2f s and `AnsibleModule.exit_json` %.2f s, of which %.2f s in '
            '`remove_values`: before it prints the result, every AnsibleModule compares each returned value (here '
            '%s values and containers for %s certificates) with the module\'s `no_log` values (the secret key) and '
            'copies it. That is the cost of returning this much data from any Ansible module, not of the read.'
            % (read, exit_json, scrub, '{:,}'.format(values), '{:,}'.format(listing['certificates'])))
        add('')
    add('cProfile of one module_utils read in process (what `utils_list.py` times as paging):')
    add('')
    add('```text')
    add(listing['profile']['utils'])
    add('```')
    add('')


def _render_rerun(add, rerun, tasks):
    add('## 3. Idempotent re-run of the demo playbooks')
    add('')
    add('The `make demo` playbooks (`docs/examples/*.yml`) with the demo\'s settings (IoTDA AK/SK with derived '
        'signing, EnOS gateway), run once against a fresh simulator and then again in every round. Every re-run '
        'reported `changed=0` and sent no write, and the same requests in every round. Requests are platform calls '
        'from the simulator\'s log (its `/_sim` test controls, which the playbooks\' setup blocks use, are not '
        'counted). The floor is what any client needs to find out that nothing has to change.')
    add('')
    add('| Playbook | Collection tasks | Requests (re-run) | Floor | Wall | CPU time | Collection tasks\' time |')
    add('|---|---|---|---|---|---|---|')
    for name, entry in sorted(rerun['playbooks'].items()):
        floor = entry['floor']
        add('| `%s` | %d | %d: %s | %s | %s | %s | %s |' % (
            name, entry['requests']['module_tasks'], entry['requests']['count'], _calls(entry['requests']['by_call']),
            '-' if floor is None else floor, _spread(entry['wall']), _spread(entry['cpu']), _spread(entry['module_seconds'])))
    add('')
    add('Total: %d requests on a re-run of all playbooks, floor %d; %s of wall time, %s of CPU time.' % (
        rerun['total_requests'], rerun['total_floor'], _spread(rerun['total_wall']), _spread(rerun['total_cpu'])))
    if tasks:
        add('For scale: an `ansible.builtin.ping` task costs %s and the unchanged device module task %s '
            '(section 1).' % (_ms(tasks['per_task']['ping']['median']), _ms(tasks['per_task']['module']['median'])))
    add('')
    for name, entry in sorted(rerun['playbooks'].items()):
        if entry['floor'] is None:
            add('- `%s`: no floor recorded for this playbook yet (add it to `FLOORS` in `tests/perf/bench_rerun.py`).' % name)
            continue
        state = ('at the floor' if entry['requests']['count'] == entry['floor']
                 else '**%d above the floor**' % (entry['requests']['count'] - entry['floor']))
        add('- `%s`: %s. %s' % (name, state, entry['why']))
    add('')


def _render_headroom(add, results):
    headroom = results['headroom']
    add('## 4. Simulator headroom')
    add('')
    add('Keep-alive clients send the cheapest authenticated call (show one device certificate, `X-Auth-Token`) as '
        'fast as the simulator answers, %.0f s per measurement, from 1 and from 4 threads of one process. The '
        'clients share the two cores with the simulator, so these are lower bounds.' % headroom['seconds_per_run'])
    add('')
    add('| Client threads | Requests per second |')
    add('|---|---|')
    for threads in ('1', '4'):
        add('| %s | %s |' % (threads, _spread(headroom['threads'][threads], lambda value: '%.0f' % value)))
    add('')
    alone = headroom['threads']['1']['median']
    add('Request rates the benchmark reached in sections 1–3, against the simulator alone (1 thread):')
    add('')
    add('| Where | Requests per second | Simulator alone / this | Simulator\'s share of each request\'s time, at most |')
    add('|---|---|---|---|')
    for name, rate in _rates(results):
        add('| %s | %s | %s | %.0f%% |' % (name, _rate(rate), _factor(alone / rate if rate else None), 100.0 * rate / alone))
    add('')
    listing = results.get('listing')
    if listing and listing.get('simulator_rate'):
        add('Section 2 also measures the simulator alone in every round, side by side with the contenders: the '
            'listing\'s own page call (50 records after a marker, token auth) from one keep-alive client for %.0f s: '
            '%s requests per second, %s× the module_utils paging rate of the same round (median of the per-round '
            'factors): the second headroom target, taken under the same load as the rate it is compared with.' % (
                listing['simulator_seconds'], _spread(listing['simulator_rate'], lambda value: '%.0f' % value),
                _x(listing['simulator_headroom'])))
        add('')
    add('Answering alone at the 1-thread rate, the simulator needs at most 1/(that rate) seconds per request (the rate '
        'includes the test client\'s own work). A client that waits for each answer before it sends the next one '
        'therefore spends at most the last column\'s share of each request waiting for the simulator. Both '
        'contenders of a comparison send the same requests to the same simulator, so its share is the same time '
        'for both: it narrows their ratio rather than favouring one. The target is a factor of at least %d '
        '(a share of at most %.0f%%).' % (HEADROOM_FACTOR, 100.0 / HEADROOM_FACTOR))
    add('')


def _render_fleet(add, fleet):
    writes = fleet['writes']
    add('## 5. Fleet operations')
    add('')
    add('Issue 13\'s targets, one measurement each in this run (not the rounds of sections 1-4), with the simulator at '
        '{:.0f} ms latency per answer where the row says so. The sequential baselines (an Ansible loop over the single '
        'form, the SDK script, `concurrency: 1`) run on a sample of {} certificates and are compared per certificate; '
        'sizes: `IOTPKI_BENCH_FLEET`={:,} targets, listing {:,} and {:,}.'.format(
            writes['latency'] * 1000, writes['sample'], writes['count'], fleet['large']['sizes'][0], fleet['large']['sizes'][1]))
    add('')
    add('| measure | collection | baseline in the same run | ratio |')
    add('|---|---|---|---|')
    add('| {:,} deactivations, one task, {} req/s limit | {} ({:.1f} writes/s, {} requests, {} answered 429) | the limit: {} | {:.3f} × the limit |'.format(
        writes['count'], writes['rate_limit'], _s(writes['fleet']['seconds'], 1), writes['fleet']['writes_per_second'],
        writes['fleet']['requests'], writes['fleet']['throttled'], _s(writes['baseline_limit_seconds'], 0), writes['ratio']['rate/limit']))
    add('| the same, per certificate (task time / {:,}) | {} | Ansible loop over the single form: {} ({} in {}) | {} faster |'.format(
        writes['count'], _ms(writes['fleet']['per_certificate']), _ms(writes['loop']['per_certificate']), writes['sample'],
        _s(writes['loop']['task'], 1), _factor(writes['ratio']['loop/fleet'])))
    add('| the same, per certificate | {} | SDK, sequential: {} (import {}, {} writes in {}) | {} faster |'.format(
        _ms(writes['fleet']['per_certificate']), _ms(writes['sdk']['per_certificate']), _s(writes['sdk']['import']), writes['sample'],
        _s(writes['sdk']['work'], 1), _factor(writes['ratio']['sdk/fleet'])))
    listing = fleet['listing_latency']
    add('| listing {:,} at {:.0f} ms latency | module task {} ({} requests) | SDK paging: {} ({} pages) | {} |'.format(
        listing['count'], listing['latency'] * 1000, _s(listing['module_task']), listing['requests'], _s(listing['sdk_wall']),
        listing['sdk_pages'], _x(listing['ratio']['module/sdk'])))
    large = fleet['large']
    base, big = (large['runs'][str(size)] for size in large['sizes'])
    add('| listing {:,}, no latency, module process | {} ({} requests), peak RSS {:.0f} MB | the {:,} run: {} ({} requests), peak RSS {:.0f} MB | {}× |'.format(
        large['sizes'][1], _s(big['module_wall']), big['requests'], big['peak_rss_mb'], large['sizes'][0], _s(base['module_wall']),
        base['requests'], base['peak_rss_mb'], _x(large['ratio']['large/base'])))
    issuer = fleet['issuer']
    row = ('| `issuer` over {:,} candidates at {:.0f} ms, `concurrency: 8` | {} ({} per candidate) '
           '| `concurrency: 1` over {}: {} ({} per candidate) | {} faster |')
    add(row.format(
        issuer['count'], issuer['latency'] * 1000, _s(issuer['parallel_task'], 1), _ms(issuer['parallel_task'] / issuer['count']),
        issuer['sample'], _s(issuer['sequential_task'], 1), _ms(issuer['sequential_task'] / issuer['sample']),
        _factor(issuer['ratio']['sequential/parallel per candidate'])))
    add('')
