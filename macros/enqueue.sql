{#- on-run-end: "{{ spoke.enqueue(results) }}"
    Queues each model this invocation built that carries `spoke` meta into
    `<state schema>.sync_queue`, where a spoke worker claims and syncs it. -#}
{% macro enqueue(results) %}
  {% if not execute or flags.WHICH in ['compile', 'docs', 'generate', 'serve', 'parse', 'list', 'ls', 'show', 'source', 'freshness'] %}
    {{ return('') }}
  {% endif %}
  {#- --empty and --sample build models from a fraction of their rows; syncing those would
      overwrite (or delete) good records in the destination. -#}
  {% if flags.EMPTY or flags.SAMPLE %}
    {% do log('spoke: queued nothing, because this run built models from ' ~ ('no rows (--empty)' if flags.EMPTY else 'a sample (--sample)'), info=true) %}
    {{ return('') }}
  {% endif %}

  {% set relation = spoke.sync_queue_relation() %}
  {% do spoke.create_sync_queue(relation) %}

  {#- The hook may run twice in one invocation (listed twice, or by a package too): rows already
      queued stay as they are. -#}
  {% set already_queued = run_query(
      'select id from ' ~ relation ~ ' where invocation_id = ' ~ spoke.sql_string(invocation_id)
  ).columns[0].values() %}
  {% set entries = [] %}
  {% for entry in spoke.sync_queue_entries(results) if entry.id not in already_queued %}
    {% do entries.append(entry) %}
  {% endfor %}

  {% for chunk in entries | batch(100) %}
    {% call statement('spoke_enqueue') %}
      {{ spoke.insert_sync_queue_entries_sql(relation, chunk) }}
    {% endcall %}
  {% endfor %}
  {% do adapter.commit() %}

  {% do log('spoke: queued ' ~ (entries | length) ~ ' model' ~ ('' if entries | length == 1 else 's') ~ ' for syncing', info=true) %}
  {{ return('') }}
{% endmacro %}

{#- `not exists` also covers a concurrent run of the same hook. A union of selects rather than a
    VALUES list, because Redshift cannot select from VALUES. -#}
{% macro insert_sync_queue_entries_sql(relation, entries) %}
  insert into {{ relation }} (
    id, invocation_id, unique_id, model, relation_name, spoke_config, dbt_target, enqueued_at, status
  )
  select
    incoming.id, incoming.invocation_id, incoming.unique_id, incoming.model, incoming.relation_name,
    incoming.spoke_config, incoming.dbt_target, {{ dbt.current_timestamp() }}, 'queued'
  from (
    {%- for entry in entries %}
    select
      {{ spoke.sql_string(entry.id) }} as id,
      {{ spoke.sql_string(entry.invocation_id) }} as invocation_id,
      {{ spoke.sql_string(entry.unique_id) }} as unique_id,
      {{ spoke.sql_string(entry.model) }} as model,
      {{ spoke.sql_string(entry.relation_name) }} as relation_name,
      {{ spoke.sql_string(entry.spoke_config) }} as spoke_config,
      {{ spoke.sql_string(entry.dbt_target) }} as dbt_target
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
  ) as incoming
  where not exists (
    select 1 from {{ relation }} as queued where queued.id = incoming.id
  )
{% endmacro %}
