// 流失提醒's alert settings: each alert on or off, the managers alerted when an employee deletes a customer, and
// the daily digest (one summary a day instead of a message per loss).
import { App, Form, Modal, Select, Switch } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyFieldErrors } from '../../components/form-errors.ts';
import { EmployeeSelect } from '../../components/pickers.tsx';
import { lossApi, type LossSettingsBody } from './loss-api.ts';

const HOURS = Array.from({ length: 24 }, (_, hour) => hour);

export function LossSettingsModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<LossSettingsBody>();
  const [loading, setLoading] = useState(true);
  const [saving, setSaving] = useState(false);
  const managerAlert = Form.useWatch('managerAlert', form);
  const digest = Form.useWatch('digest', form);

  useEffect(() => {
    lossApi.settingsGet().then(
      (settings) => {
        form.setFieldsValue({
          employeeAlert: settings.employeeAlert,
          managerAlert: settings.managerAlert,
          managerUserids: settings.managers.map((manager) => manager.userid),
          digest: settings.digest,
          digestHour: settings.digestHour,
        });
        setLoading(false);
      },
      onClose,
    );
  }, [form, onClose]);

  const save = async () => {
    const values = await form.validateFields();
    setSaving(true);
    try {
      await lossApi.settingsSave(values);
      message.success(t('loss.settingsSaved'));
      onClose();
    } catch (error) {
      applyFieldErrors(form, error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={t('loss.settingsTitle')}
      onCancel={onClose}
      onOk={() => void save().catch(() => undefined)}
      okText={t('common.save')}
      okButtonProps={{ 'data-testid': 'loss-settings-save' } as never}
      confirmLoading={saving}
      loading={loading}
      destroyOnHidden
    >
      <Form form={form} name="lossSettings" layout="vertical" data-testid="loss-settings-form">
        <Form.Item name="employeeAlert" label={t('loss.alertEmployee')} extra={t('loss.alertEmployeeHint')} valuePropName="checked">
          <Switch data-testid="loss-alert-employee" />
        </Form.Item>
        <Form.Item name="managerAlert" label={t('loss.alertManagers')} valuePropName="checked">
          <Switch data-testid="loss-alert-managers" />
        </Form.Item>
        <Form.Item
          name="managerUserids"
          label={t('loss.managers')}
          extra={t('loss.managersHint')}
          rules={managerAlert ? [{ required: true, type: 'array', min: 1, message: t('loss.needManagers') }] : []}
        >
          <EmployeeSelect multiple testId="loss-managers" />
        </Form.Item>
        <Form.Item name="digest" label={t('loss.digest')} extra={t('loss.digestHint')} valuePropName="checked">
          <Switch data-testid="loss-digest" />
        </Form.Item>
        {digest && (
          <Form.Item name="digestHour" label={t('loss.digestHour')}>
            <Select style={{ width: 160 }} options={HOURS.map((hour) => ({ value: hour, label: t('loss.digestHourValue', { hour: String(hour).padStart(2, '0') }) }))} data-testid="loss-digest-hour" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
