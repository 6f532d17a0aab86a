{#- The models of this invocation to sync: built successfully, carrying `spoke` meta, and with no
    failed or errored test on them. Returns a list of dicts, one per queue row. -#}
{% macro sync_queue_entries(results) %}
  {% set failed_tests_on = [] %}
  {% for result in results %}
    {% set node = result.node %}
    {% if node.resource_type in ['test', 'unit_test'] and result.status in ['fail', 'error'] %}
      {% if node.attached_node %}
        {% do failed_tests_on.append(node.attached_node) %}
      {% else %}
        {#- A singular test is attached to nothing; it guards every model it reads. -#}
        {% do failed_tests_on.extend(node.depends_on.nodes) %}
      {% endif %}
    {% endif %}
  {% endfor %}

  {% set entries = [] %}
  {% for result in results %}
    {% set node = result.node %}
    {% if node.resource_type == 'model' and result.status == 'success' and node.unique_id not in failed_tests_on %}
      {% set spoke_config = spoke.spoke_meta(node) %}
      {% if spoke_config is not none %}
        {% do entries.append({
          'id': invocation_id ~ ':' ~ node.unique_id,
          'invocation_id': invocation_id,
          'unique_id': node.unique_id,
          'model': node.name,
          'relation_name': node.relation_name,
          'spoke_config': tojson(spoke_config),
          'dbt_target': target.name,
        }) %}
      {% endif %}
    {% endif %}
  {% endfor %}
  {{ return(entries) }}
{% endmacro %}

{#- `config.meta` is the resolved value (dbt_project.yml, YAML and config() merged), so it wins
    over the legacy top-level `meta` as a whole. -#}
{% macro spoke_meta(node) %}
  {% set from_config = (node.config.meta or {}).get('spoke') %}
  {% if from_config is not none %}
    {{ return(from_config) }}
  {% endif %}
  {{ return((node.meta or {}).get('spoke')) }}
{% endmacro %}
